rotate = 
